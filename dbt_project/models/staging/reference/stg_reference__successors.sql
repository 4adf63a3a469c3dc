with

source as (

    select * from {{ source('reference', 'ref_successors') }}

),

renamed as (

    select
        ---------- ids
        old_org_code::varchar as old_org_code,
        new_org_code::varchar as new_org_code,

        ---------- dates
        effective_date::date as effective_date,

        ---------- provenance
        _source_file::varchar as source_file,
        _source_row::bigint as source_row

    from source

)

select * from renamed
